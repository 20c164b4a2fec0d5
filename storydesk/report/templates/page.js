function sdFilter(b){document.querySelectorAll('.filters button').forEach(function(x){x.classList.toggle('on',x===b)});
var f=b.getAttribute('data-f');document.querySelectorAll('.matrix tbody tr').forEach(function(r){
r.style.display=(f==='all'||r.classList.contains(f))?'':'none'})}
document.querySelectorAll('.filters button').forEach(function(b){b.addEventListener('click',function(){sdFilter(b)})});
var sdOn=document.querySelector('.filters button.on');if(sdOn){sdFilter(sdOn)}
document.querySelectorAll('button.showall').forEach(function(b){b.addEventListener('click',function(){
document.querySelector('table.'+'ents').classList.add('all');b.remove()})});
